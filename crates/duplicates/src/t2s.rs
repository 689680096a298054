//! Traditional → simplified characters, for matching only (never for display or storage).
//!
//! Why a table of our own: the maintained converters on crates.io are `zhconv` (GPL-2.0,
//! which our MIT/Apache licence cannot take) and `fast2s` (last released 2022, `unsafe`
//! string surgery, an old `hashbrown`). Matching needs only a one-to-one character fold,
//! not phrase-level conversion, so this table lists the common traditional characters —
//! every one that appears in names, place names and petition content in our data, and the
//! most frequent ones of the 通用规范汉字表 with a traditional form — each with its
//! simplified form. A character not in the table is kept as it is, so a missing entry
//! costs a little similarity, never a wrong match. Add pairs here as staff meet them.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Pairs of `traditional simplified`, separated by whitespace.
const PAIRS: &str = "
萬万 與与 醜丑 專专 業业 叢丛 東东 絲丝 兩两 嚴严 喪丧 個个 豐丰 臨临 為为 爲为 麗丽 舉举
麼么 義义 烏乌 樂乐 喬乔 習习 鄉乡 書书 買买 亂乱 爭争 於于 虧亏 雲云 亞亚 產产 産产 畝亩
親亲 億亿 僅仅 從从 倉仓 儀仪 們们 價价 眾众 衆众 優优 夥伙 會会 傘伞 偉伟 傳传 傷伤 倫伦
偽伪 體体 餘余 傭佣 俠侠 侶侣 偵侦 側侧 僑侨 儉俭 債债 傾倾 償偿 儲储 兒儿 兌兑 黨党 蘭兰
關关 興兴 養养 獸兽 內内 岡冈 冊册 寫写 軍军 農农 馮冯 衝冲 決决 況况 凍冻 淨净 涼凉 減减
湊凑 幾几 鳳凤 憑凭 凱凯 擊击 劃划 劉刘 則则 剛刚 創创 刪删 別别 劑剂 劍剑 劇剧 勸劝 辦办
務务 勵励 勁劲 勞劳 勢势 勳勋 動动 區区 醫医 華华 協协 單单 賣卖 盧卢 衛卫 卻却 廠厂 廳厅
歷历 曆历 厲厉 壓压 厭厌 廁厕 廈厦 縣县 參参 雙双 變变 敘叙 疊叠 葉叶 號号 嘆叹 嚇吓 呂吕
嗎吗 噸吨 聽听 啟启 吳吴 嘔呕 員员 嗆呛 嗚呜 詠咏 嚨咙 諮咨 響响 啞哑 嘩哗 喚唤 團团 園园
圍围 國国 圖图 圓圆 聖圣 場场 壞坏 塊块 堅坚 壇坛 壩坝 墳坟 墜坠 壟垄 壘垒 墾垦 墊垫 塢坞
堯尧 報报 塗涂 壯壮 聲声 殼壳 壺壶 處处 備备 復复 複复 夠够 頭头 誇夸 夾夹 奪夺 奮奋 獎奖
媽妈 婦妇 嫵妩 薑姜 婁娄 嬌娇 娛娱 孫孙 學学 寧宁 寶宝 實实 寵宠 審审 憲宪 寬宽 賓宾 寢寝
對对 尋寻 導导 壽寿 將将 爾尔 塵尘 嘗尝 尷尴 屍尸 盡尽 層层 屆届 屬属 屢屡 嶼屿 歲岁 豈岂
崗岗 嵐岚 島岛 嶺岭 嶽岳 崢峥 巒峦 幣币 帥帅 師师 帳帐 帶带 幫帮 幹干 乾干 並并 廣广 莊庄
慶庆 廬庐 廟庙 應应 廢废 開开 異异 棄弃 張张 彌弥 彎弯 歸归 當当 錄录 彥彦 徹彻 徑径 憶忆
憂忧 懷怀 態态 憐怜 總总 戀恋 懇恳 惡恶 惱恼 悅悦 懸悬 驚惊 懼惧 慘惨 懲惩 慚惭 慣惯 願愿
戲戏 戰战 戶户 撲扑 執执 擴扩 掃扫 揚扬 擾扰 撫抚 拋抛 搶抢 護护 擔担 擬拟 攏拢 揀拣 擁拥
攔拦 擰拧 撥拨 擇择 掛挂 撓挠 擋挡 擠挤 揮挥 撈捞 損损 撿捡 換换 據据 擲掷 攪搅 攜携 攝摄
擺摆 搖摇 攤摊 撐撑 數数 斂敛 斃毙 齊齐 斬斩 斷断 時时 曠旷 晝昼 顯显 晉晋 曬晒 曉晓 暈晕
暫暂 朧胧 術术 樸朴 機机 殺杀 雜杂 權权 條条 來来 楊杨 極极 構构 槍枪 櫃柜 標标 棧栈 欄栏
樹树 樣样 橋桥 檔档 樓楼 櫻樱 橫横 歡欢 歐欧 殘残 毀毁 毆殴 氣气 漢汉 湯汤 溝沟 沒没 淚泪
潑泼 澤泽 潔洁 灑洒 濁浊 測测 濟济 渾浑 濃浓 濤涛 澇涝 潤润 漲涨 滲渗 溫温 灣湾 濕湿 潰溃
滅灭 燈灯 靈灵 災灾 爐炉 點点 煉炼 爛烂 煩烦 燒烧 熱热 煥焕 愛爱 爺爷 牽牵 犧牺 狀状 猶犹
獄狱 獨独 獲获 貓猫 獻献 環环 現现 瑪玛 畫画 暢畅 療疗 瘋疯 癢痒 盤盘 蓋盖 盜盗 監监 睜睁
矯矫 確确 礙碍 碼码 磚砖 禮礼 禍祸 離离 種种 積积 稱称 穩稳 窮穷 竊窃 競竞 筆笔 築筑 簡简
籃篮 籌筹 簽签 糧粮 緊紧 糾纠 紅红 紀纪 約约 級级 紋纹 納纳 紐纽 純纯 紗纱 紙纸 紛纷 組组
細细 織织 終终 紹绍 經经 結结 給给 絡络 絕绝 統统 維维 綠绿 緒绪 續续 綜综 線线 編编 緣缘
練练 縮缩 績绩 繼继 網网 羅罗 罰罚 羨羡 聞闻 聯联 聰聪 職职 肅肃 腦脑 腫肿 脅胁 膽胆 勝胜
膚肤 臉脸 腳脚 艱艰 藝艺 節节 蘇苏 蘋苹 範范 薦荐 藥药 蓮莲 營营 蕭萧 蘿萝 虛虚 蟲虫 蝦虾
補补 裝装 製制 襪袜 見见 規规 視视 覺觉 覽览 觀观 計计 訂订 認认 討讨 讓让 訓训 議议 記记
講讲 許许 論论 設设 訪访 證证 評评 識识 詞词 譯译 試试 詩诗 該该 詳详 誠诚 話话 誕诞 誤误
說说 請请 諸诸 讀读 課课 誰谁 調调 談谈 謀谋 謊谎 謝谢 謠谣 謹谨 譜谱 訴诉 貝贝 負负 財财
責责 賢贤 敗败 貨货 質质 販贩 貪贪 貧贫 購购 貫贯 費费 貼贴 貴贵 貸贷 貿贸 賀贺 資资 賊贼
賄贿 賠赔 賞赏 賦赋 賬账 賭赌 賴赖 賺赚 贈赠 贊赞 趕赶 趙赵 躍跃 車车 軌轨 軟软 轉转 輪轮
輕轻 載载 較较 輔辅 輛辆 輩辈 輸输 邊边 遼辽 達达 遷迁 過过 運运 還还 這这 進进 遠远 違违
連连 遲迟 適适 選选 遺遗 鄧邓 鄭郑 鄰邻 郵邮 醬酱 釋释 裡里 裏里 鑒鉴 針针 釘钉 鈕钮 鈔钞
鈴铃 鉛铅 銀银 銅铜 銷销 鋒锋 鋼钢 錢钱 錯错 錦锦 鍋锅 鍵键 鎖锁 鎮镇 鏡镜 鐘钟 鐵铁 鑰钥
長长 門门 閃闪 閉闭 問问 闖闯 閒闲 間间 閘闸 閱阅 闊阔 隊队 陽阳 陰阴 陣阵 階阶 際际 陸陆
陳陈 險险 隨随 隱隐 難难 雞鸡 雖虽 電电 霧雾 靜静 韓韩 頁页 頂顶 項项 順顺 須须 頑顽 預预
領领 頗颇 頻频 題题 額额 顏颜 類类 顧顾 風风 飛飞 飯饭 飲饮 飽饱 飾饰 餅饼 餓饿 館馆 饒饶
馬马 駐驻 駕驾 驗验 騙骗 騎骑 驅驱 驕骄 髮发 發发 鬥斗 鬧闹 魚鱼 鮮鲜 鳥鸟 鳴鸣 鴨鸭 鵝鹅
鹽盐 麥麦 黃黄 齒齿 龍龙 龜龟 徵征 隻只 臺台 檯台 颱台 誌志 週周 麵面 麪面 鬆松 穀谷 後后
係系 繫系 準准 捨舍 鬱郁 託托 佔占 採采 彙汇 繳缴 豬猪 糞粪 鮑鲍 寶宝 遞递 獅狮 楓枫 鶴鹤
鋪铺 灘滩 陝陕 樁桩 畢毕 劵券 櫥橱 廚厨 蠶蚕 燦灿 慮虑 濫滥 墮堕 殯殡 醫医 賒赊 滯滞
";

/// The simplified form of `c`, or `c` itself.
pub fn to_simplified(c: char) -> char {
    table().get(&c).copied().unwrap_or(c)
}

/// The traditional form of `c` where the table has one (the first listed), for generating
/// test variants.
pub fn to_traditional(c: char) -> Option<char> {
    static REVERSE: OnceLock<HashMap<char, char>> = OnceLock::new();
    REVERSE
        .get_or_init(|| {
            let mut m = HashMap::new();
            for (t, s) in pairs() {
                m.entry(s).or_insert(t);
            }
            m
        })
        .get(&c)
        .copied()
}

fn table() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| pairs().collect())
}

fn pairs() -> impl Iterator<Item = (char, char)> {
    PAIRS.split_whitespace().filter_map(|pair| {
        let mut chars = pair.chars();
        match (chars.next(), chars.next(), chars.next()) {
            (Some(t), Some(s), None) if t != s => Some((t, s)),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_a_pair_of_two_different_characters() {
        for pair in PAIRS.split_whitespace() {
            let n = pair.chars().count();
            assert_eq!(
                n, 2,
                "“{pair}” is not one traditional and one simplified character"
            );
        }
        // The few identical pairs (kept for readability of the source) are skipped.
        assert!(pairs().count() > 600, "{}", pairs().count());
    }

    #[test]
    fn folds_names_places_and_content() {
        let fold = |s: &str| s.chars().map(to_simplified).collect::<String>();
        assert_eq!(fold("張建國"), "张建国");
        assert_eq!(fold("寧國市港口鎮西村"), "宁国市港口镇西村");
        assert_eq!(
            fold("反映宅基地界址糾紛，請求調處"),
            "反映宅基地界址纠纷，请求调处"
        );
        assert_eq!(fold("simplified 张三 stays"), "simplified 张三 stays");
        assert_eq!(to_traditional('国'), Some('國'));
    }
}
